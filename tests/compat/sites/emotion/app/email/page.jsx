// A newsletter preview: the email is rendered apart with its own emotion cache, and
// @emotion/server's extractCritical gives the CSS its markup uses, as an email sender does
// before inlining it.
/** @jsxImportSource @emotion/react */
import { renderToString } from "react-dom/server";
import { CacheProvider } from "@emotion/react";
import createCache from "@emotion/cache";
import createEmotionServer from "@emotion/server/create-instance";
import styled from "@emotion/styled";

// Rendered on the server only: what it imports (@emotion/server, its own
// renderToString) is not for a browser, so ssrd sends it without its bundle.
export const hydrate = false;

const Mail = styled.table`
  width: 100%;
  max-width: 600px;
  font-family: Arial, sans-serif;
  border-collapse: collapse;
`;
const Cell = styled.td(({ highlight }) => ({ padding: 12, background: highlight ? "#fde68a" : "white" }));

function Newsletter({ name, items }) {
  return (
    <Mail>
      <tbody>
        <tr>
          <Cell highlight>Hello {name}!</Cell>
        </tr>
        {items.map((item) => (
          <tr key={item}>
            <Cell>{item}</Cell>
          </tr>
        ))}
      </tbody>
    </Mail>
  );
}

export default function EmailPreview({ name = "reader", items = [] }) {
  const cache = createCache({ key: "mail" });
  const { extractCritical } = createEmotionServer(cache);
  const { html, css, ids } = extractCritical(
    renderToString(
      <CacheProvider value={cache}>
        <Newsletter name={name} items={items} />
      </CacheProvider>,
    ),
  );
  return (
    <section>
      <h1 css={{ fontSize: 20 }}>Newsletter preview</h1>
      <style data-emotion={`mail ${ids.join(" ")}`} dangerouslySetInnerHTML={{ __html: css }} />
      <div className="preview" dangerouslySetInnerHTML={{ __html: html }} />
    </section>
  );
}
