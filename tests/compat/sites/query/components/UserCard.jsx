import { useSuspenseQuery } from "@tanstack/react-query";
import { userQuery } from "./api.js";

export default function UserCard({ id }) {
  const { data: user } = useSuspenseQuery(userQuery(id));
  if (!user) return <p>No user {id}</p>;
  return (
    <div className="user">
      <h1>{user.name}</h1>
      <p>Role: {user.role}</p>
    </div>
  );
}
