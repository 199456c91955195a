// The "API": fixed data, answered after a timer as a network call would be.
const users = {
  1: { id: 1, name: "Ada Lovelace", role: "admin" },
  2: { id: 2, name: "Grace Hopper", role: "editor" },
};

const later = (value, ms) => new Promise((resolve) => setTimeout(() => resolve(value), ms));

export const todosQuery = { queryKey: ["todos"], queryFn: () => later([], 5) };
export const userQuery = (id) => ({ queryKey: ["user", String(id)], queryFn: () => later(users[id] ?? null, 5) });
export const activityQuery = (id) => ({
  queryKey: ["activity", String(id)],
  queryFn: () => later([`${users[id]?.name ?? "Someone"} signed in`, "Edited 3 pages"], 5),
});
export function userFromDb(id) {
  return users[id] ?? null;
}
