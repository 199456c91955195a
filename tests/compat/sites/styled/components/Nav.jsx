import styled from "styled-components";

const Bar = styled.nav`
  display: flex;
  gap: ${({ theme }) => theme.space(3)};
  padding: ${({ theme }) => theme.space(3)};
  background: ${({ theme }) => theme.colors.primary};
`;

const NavLink = styled.a.attrs(({ $active }) => ({ "aria-current": $active ? "page" : undefined }))`
  color: white;
  text-decoration: ${({ $active }) => ($active ? "underline" : "none")};
`;

export default function Nav({ path }) {
  const links = [
    ["/", "Home"],
    ["/products/1", "Lamp"],
    ["/products/2", "Chair"],
  ];
  return (
    <Bar>
      {links.map(([href, label]) => (
        <NavLink key={href} href={href} $active={href === path}>
          {label}
        </NavLink>
      ))}
    </Bar>
  );
}
