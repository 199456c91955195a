import { Suspense } from "react";
import { QueryClient, dehydrate, HydrationBoundary } from "@tanstack/react-query";
import UserCard from "../../../components/UserCard.jsx";
import Activity from "../../../components/Activity.jsx";
import { userQuery, userFromDb } from "../../../components/api.js";

// Prefetched on the server from the "database" into a query client of the page's own, then
// dehydrated into the provider's client (the pattern of TanStack Query's advanced SSR guide).
export default function UserPage({ params }) {
  const prefetch = new QueryClient();
  prefetch.setQueryData(userQuery(params.id).queryKey, userFromDb(params.id), { updatedAt: 1700000000000 });
  return (
    <HydrationBoundary state={dehydrate(prefetch)}>
      <UserCard id={params.id} />
      <Suspense fallback={<p className="loading">Loading activity…</p>}>
        <Activity id={params.id} />
      </Suspense>
    </HydrationBoundary>
  );
}
