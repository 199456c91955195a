/** @jsxImportSource @emotion/react */
import { css, Global } from "@emotion/react";
import styled from "@emotion/styled";

const Header = styled.header(({ theme }) => ({
  background: theme.colors.brand,
  color: "white",
  padding: theme.space[3],
  display: "flex",
  justifyContent: "space-between",
}));

export const Container = styled.div`
  max-width: 720px;
  margin: 0 auto;
  padding: ${({ theme }) => theme.space[3]}px;
`;

export function SiteFrame({ path, children }) {
  return (
    <>
      <Global
        styles={(theme) => css`
          body {
            margin: 0;
            background: ${theme.colors.paper};
            color: ${theme.colors.ink};
            font-family: ${theme.font};
          }
        `}
      />
      <Header>
        <strong>The Emotion Gazette</strong>
        <span css={{ opacity: 0.8, fontSize: 14 }}>{path}</span>
      </Header>
      <Container>{children}</Container>
    </>
  );
}
