// MUI on Emotion in a root layout (what @mui/material-nextjs's AppRouterCacheProvider does):
// an emotion cache keyed "mui" in compat mode, and the styles the children inserted written
// out after them. In the browser the cache takes the server's <style data-emotion="mui ...">
// over when it is made (it moves it into <head>), so the styles are not rendered there: the
// hydrated document no longer holds them.
import { useState } from "react";
import createCache from "@emotion/cache";
import { CacheProvider } from "@emotion/react";

function Styles({ cache }) {
  const names = Object.keys(cache.inserted);
  const css = names.map((n) => cache.inserted[n]).filter((v) => typeof v === "string").join("");
  return <style data-emotion={`${cache.key} ${names.join(" ")}`} dangerouslySetInnerHTML={{ __html: css }} />;
}

export default function MuiRegistry({ children }) {
  const [cache] = useState(() => {
    const c = createCache({ key: "mui" });
    c.compat = true;
    return c;
  });
  return (
    <CacheProvider value={cache}>
      {children}
      {typeof window === "undefined" ? <Styles cache={cache} /> : null}
    </CacheProvider>
  );
}
