export { default as Badge } from "./Badge";
export { default as Card } from "./Card";
export { default as Counter } from "./Counter";
export { NavLink } from "./NavLink";
