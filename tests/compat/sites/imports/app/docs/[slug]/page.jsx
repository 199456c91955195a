import docs from "../docs.json";
import Badge from "@/components/ui/Badge";
import { Card } from "../../../components/ui/index";
import logo from "@/components/logo.svg";

export default function Doc({ params, draft }) {
  const doc = docs[params.slug];
  if (!doc) return <p>No document named {params.slug}.</p>;
  return (
    <Card title={doc.title} image={logo}>
      {draft ? <Badge tone="warn">draft</Badge> : null}
      <p>{doc.body}</p>
    </Card>
  );
}
