// Emotion in a root layout, as the App Router guides (and MUI's AppRouterCacheProvider) do it:
// a cache of our own key in compat mode, so emotion does not write a <style> before each
// element, and every style the children inserted written out once they have rendered.
// In the browser the cache takes the server's <style data-emotion="gz ..."> over when it is
// made (it moves it into <head>), so the styles are not rendered there: the hydrated document
// no longer holds them.
import { useState } from "react";
import { CacheProvider } from "@emotion/react";
import createCache from "@emotion/cache";

function InsertedStyles({ cache }) {
  const names = Object.keys(cache.inserted);
  if (names.length === 0) return null;
  const css = names.map((name) => cache.inserted[name]).filter((v) => typeof v === "string").join("");
  return <style data-emotion={`${cache.key} ${names.join(" ")}`} dangerouslySetInnerHTML={{ __html: css }} />;
}

export default function EmotionRegistry({ cacheKey = "shop", children }) {
  const [cache] = useState(() => {
    const c = createCache({ key: cacheKey });
    c.compat = true;
    return c;
  });
  return (
    <CacheProvider value={cache}>
      {children}
      {typeof window === "undefined" ? <InsertedStyles cache={cache} /> : null}
    </CacheProvider>
  );
}
