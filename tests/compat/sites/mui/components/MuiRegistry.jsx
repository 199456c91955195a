// MUI on Emotion in a root layout (what @mui/material-nextjs's AppRouterCacheProvider does):
// an emotion cache keyed "mui" in compat mode, and the styles the children inserted written
// out after them.
import createCache from "@emotion/cache";
import { CacheProvider } from "@emotion/react";

function Styles({ cache }) {
  const names = Object.keys(cache.inserted);
  const css = names.map((n) => cache.inserted[n]).filter((v) => typeof v === "string").join("");
  return <style data-emotion={`${cache.key} ${names.join(" ")}`} dangerouslySetInnerHTML={{ __html: css }} />;
}

export default function MuiRegistry({ children }) {
  const cache = createCache({ key: "mui" });
  cache.compat = true;
  return (
    <CacheProvider value={cache}>
      {children}
      <Styles cache={cache} />
    </CacheProvider>
  );
}
