/** @jsxImportSource @emotion/react */
import { css, keyframes } from "@emotion/react";
import PostCard from "../components/PostCard.jsx";
import { posts } from "../components/posts.js";
import LikeButton from "../components/LikeButton.jsx";

const pulse = keyframes`
  0%, 100% { opacity: 1; }
  50% { opacity: 0.6; }
`;

const lead = (theme) => css`
  font-size: 1.25rem;
  border-left: 4px solid ${theme.colors.brand};
  padding-left: ${theme.space[2]}px;
  animation: ${pulse} 2s infinite;
`;

export default function Home({ lead: text = "All the styles that fit." }) {
  return (
    <>
      <p css={lead}>{text}</p>
      {posts.map((post) => (
        <PostCard key={post.slug} post={post} />
      ))}
      <LikeButton />
    </>
  );
}
