import Markdown from "../components/Markdown.jsx";

// Markdown from the request: a note the app server passes as props.
export default function Notes({ note = "" }) {
  return (
    <article>
      <Markdown>{note}</Markdown>
    </article>
  );
}
