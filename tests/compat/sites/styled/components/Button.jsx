import styled, { css } from "styled-components";

const Button = styled.button`
  padding: ${({ theme }) => `${theme.space(2)} ${theme.space(4)}`};
  border-radius: ${({ theme }) => theme.radius};
  border: 2px solid ${({ theme }) => theme.colors.primary};
  font-weight: 600;
  cursor: pointer;
  ${({ $variant, theme }) =>
    $variant === "primary"
      ? css`
          background: ${theme.colors.primary};
          color: white;
        `
      : css`
          background: transparent;
          color: ${theme.colors.primary};
        `}
  &:hover {
    opacity: 0.9;
  }
  &:disabled {
    opacity: 0.5;
    cursor: not-allowed;
  }
`;
export default Button;
