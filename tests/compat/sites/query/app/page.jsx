import { HydrationBoundary } from "@tanstack/react-query";
import TodoList from "../components/TodoList.jsx";
import FetchCounter from "../components/FetchCounter.jsx";

// The app server prefetched the todos and passes the dehydrated cache as props.
export default function Home({ dehydratedState }) {
  return (
    <HydrationBoundary state={dehydratedState}>
      <TodoList />
      <FetchCounter />
    </HydrationBoundary>
  );
}
