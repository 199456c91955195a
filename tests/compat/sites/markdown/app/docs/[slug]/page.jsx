import Markdown from "../../../components/Markdown.jsx";
import docs from "../../../components/docs.json";
import DoneCounter from "../../../components/DoneCounter.jsx";

export default function Doc({ params }) {
  const doc = docs[params.slug];
  if (!doc) return <p>No document {params.slug}</p>;
  return (
    <article>
      <header>
        <h1>{doc.title}</h1>
      </header>
      <Markdown>{doc.body}</Markdown>
      <DoneCounter />
    </article>
  );
}
