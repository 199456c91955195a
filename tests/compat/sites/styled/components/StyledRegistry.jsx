// Collects the styles of everything rendered inside it and emits them after it, as a server
// rendering user of styled-components does: a ServerStyleSheet per render, its instance given to
// StyleSheetManager, its <style> elements rendered once the children have rendered.
import { ServerStyleSheet, StyleSheetManager } from "styled-components";

function CollectedStyles({ sheet }) {
  const styles = sheet.getStyleElement();
  sheet.seal();
  return styles;
}

export default function StyledRegistry({ children }) {
  const sheet = new ServerStyleSheet();
  return (
    <StyleSheetManager sheet={sheet.instance}>
      {children}
      <CollectedStyles sheet={sheet} />
    </StyleSheetManager>
  );
}
