// A .js file with JSX in it, as many codebases have.
export function NavLink({ href, active, children }) {
  return (
    <a href={href} aria-current={active ? "page" : undefined} className={active ? "active" : undefined}>
      {children}
    </a>
  );
}
