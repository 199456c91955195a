import { Badge, Card, Counter } from "@/components/ui";
import { formatPrice, iconSize } from "@/components/format";
import hero from "./hero.png";
import site from "./site.json";

type HomeProps = { items?: { name: string; cents: number }[]; params: Record<string, string> };

export default function Home({ items = [], params }: HomeProps) {
  return (
    <>
      <h1>{site.title}</h1>
      <Card title="Hero" image={hero}>
        <p>
          The hero image is served from <code>{hero}</code> <Badge>png</Badge>
        </p>
        <p data-icon-size={iconSize(true)}>params: {JSON.stringify(params)}</p>
      </Card>
      <ul>
        {items.map((item) => (
          <li key={item.name}>
            {item.name}: {formatPrice({ cents: item.cents, currency: "EUR" })}
          </li>
        ))}
      </ul>
      <Counter start={1} unit="item" />
    </>
  );
}
