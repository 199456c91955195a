import { useState } from "react";
import Button from "@mui/material/Button";

// Interactive after hydration (tests/compat/hydrate.mjs clicks it): an MUI Button toggling state.
export default function FollowButton() {
  const [following, setFollowing] = useState(false);
  return (
    <Button id="follow" variant={following ? "contained" : "outlined"} onClick={() => setFollowing(!following)}>
      {following ? "Following" : "Follow"}
    </Button>
  );
}
