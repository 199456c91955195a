/** @jsxImportSource @emotion/react */
import { useState } from "react";

// Interactive after hydration (tests/compat/hydrate.mjs clicks it): a css prop from the theme
// that follows its state.
export default function LikeButton() {
  const [likes, setLikes] = useState(0);
  return (
    <button
      id="likes"
      type="button"
      css={(theme) => ({ border: `1px solid ${theme.colors.brand}`, background: likes ? theme.colors.line : "white" })}
      onClick={() => setLikes(likes + 1)}
    >
      {likes} {likes === 1 ? "like" : "likes"}
    </button>
  );
}
