import styled from "styled-components";

export const Card = styled.article`
  background: ${({ theme }) => theme.colors.surface};
  border-radius: ${({ theme }) => theme.radius};
  padding: ${({ theme }) => theme.space(4)};
  box-shadow: 0 1px 3px rgba(0, 0, 0, 0.12);
  @media (min-width: ${({ theme }) => theme.breakpoints.md}) {
    padding: ${({ theme }) => theme.space(6)};
  }
  h2 {
    margin-top: 0;
    color: ${({ theme }) => theme.colors.primary};
  }
`;

export const CardGrid = styled.div`
  display: grid;
  gap: ${({ theme }) => theme.space(4)};
  grid-template-columns: repeat(auto-fill, minmax(${({ $min = 200 }) => $min}px, 1fr));
`;
