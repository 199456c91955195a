// Site navigation. The link whose href equals the request path is marked
// with aria-current="page".
const LINKS = [
  { href: "/", label: "Home" },
  { href: "/products", label: "Products" },
  { href: "/products/1", label: "Featured" },
  { href: "/about", label: "About" },
];

export default function Nav({ path }) {
  return (
    <nav className="nav">
      <a className="brand" href="/">
        ssrd demo
      </a>
      <ul>
        {LINKS.map((link) => (
          <li key={link.href}>
            <a
              href={link.href}
              aria-current={link.href === path ? "page" : undefined}
            >
              {link.label}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}
