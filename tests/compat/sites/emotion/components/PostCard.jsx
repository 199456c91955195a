/** @jsxImportSource @emotion/react */
import styled from "@emotion/styled";

const Card = styled.article`
  border: 1px solid ${({ theme }) => theme.colors.line};
  border-radius: 6px;
  padding: ${({ theme }) => theme.space[3]}px;
  margin-bottom: ${({ theme }) => theme.space[3]}px;
  &:hover {
    border-color: ${({ theme }) => theme.colors.brand};
  }
`;

const Tag = styled("span", { shouldForwardProp: (prop) => prop !== "hot" })(({ hot, theme }) => ({
  display: "inline-block",
  padding: "2px 6px",
  marginRight: 4,
  borderRadius: 4,
  fontSize: 12,
  background: hot ? theme.colors.brand : theme.colors.line,
  color: hot ? "white" : theme.colors.ink,
}));

export default function PostCard({ post }) {
  return (
    <Card>
      <h2 css={(theme) => ({ margin: 0, color: theme.colors.brand })}>
        <a href={`/posts/${post.slug}`} css={{ color: "inherit", textDecoration: "none" }}>
          {post.title}
        </a>
      </h2>
      <p>{post.summary}</p>
      {post.tags.map((tag) => (
        <Tag key={tag} hot={tag === "breaking"}>
          {tag}
        </Tag>
      ))}
    </Card>
  );
}
