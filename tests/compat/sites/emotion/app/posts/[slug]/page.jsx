/** @jsxImportSource @emotion/react */
import styled from "@emotion/styled";
import { ClassNames } from "@emotion/react";
import { posts } from "../../../components/posts.js";

const Article = styled.article(({ theme }) => ({
  lineHeight: 1.6,
  "& h1": { color: theme.colors.brand, marginBottom: theme.space[2] },
  "@media (max-width: 600px)": { fontSize: 15 },
}));

export default function Post({ params }) {
  const post = posts.find((p) => p.slug === params.slug);
  if (!post) return <p css={{ fontStyle: "italic" }}>Not found: {params.slug}</p>;
  return (
    <Article>
      <h1>{post.title}</h1>
      <ClassNames>
        {({ css, cx }) => (
          <p className={cx(css({ fontWeight: "bold" }), "summary")}>{post.summary}</p>
        )}
      </ClassNames>
    </Article>
  );
}
