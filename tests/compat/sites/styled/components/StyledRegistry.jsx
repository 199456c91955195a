// Collects the styles of everything rendered inside it and emits them after it, as a server
// rendering user of styled-components does: a ServerStyleSheet per render, its instance given to
// StyleSheetManager, its <style> elements rendered once the children have rendered.
// In the browser styled-components has already taken the server's <style> over (it reads it and
// removes it from the body when it loads), so the registry renders its children alone there, as
// Next.js's registry does: rendering the style again would not match the hydrated document.
import { ServerStyleSheet, StyleSheetManager } from "styled-components";

function CollectedStyles({ sheet }) {
  const styles = sheet.getStyleElement();
  sheet.seal();
  return styles;
}

export default function StyledRegistry({ children }) {
  if (typeof window !== "undefined") return <>{children}</>;
  const sheet = new ServerStyleSheet();
  return (
    <StyleSheetManager sheet={sheet.instance}>
      {children}
      <CollectedStyles sheet={sheet} />
    </StyleSheetManager>
  );
}
