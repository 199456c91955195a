import logo from "./logo.svg";
import nav from "./data/nav.json";
import { NavLink } from "./ui";

export default function Header({ path }) {
  return (
    <header className="site-header">
      <img src={logo} alt="Imports & Co." width={32} height={32} />
      <nav>
        {nav.links.map((link) => (
          <NavLink key={link.href} href={link.href} active={link.href === path}>
            {link.label}
          </NavLink>
        ))}
      </nav>
    </header>
  );
}
