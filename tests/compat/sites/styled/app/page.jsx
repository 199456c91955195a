import { useState } from "react";
import styled, { keyframes } from "styled-components";
import Button from "../components/Button.jsx";
import { Card, CardGrid } from "../components/Card.jsx";

const fadeIn = keyframes`
  from { opacity: 0; transform: translateY(4px); }
  to { opacity: 1; transform: none; }
`;

const Hero = styled.section`
  padding: ${({ theme }) => theme.space(10)} ${({ theme }) => theme.space(4)};
  background: linear-gradient(135deg, ${({ theme }) => theme.colors.primary}, ${({ theme }) => theme.colors.accent});
  color: white;
  animation: ${fadeIn} 0.3s ease-out;
`;

const Title = styled.h1`
  font-size: ${({ $size }) => $size}rem;
  margin: 0 0 ${({ theme }) => theme.space(2)};
`;

// Interactive after hydration (tests/compat/hydrate.mjs clicks it): its style follows its state.
// Defined here, not in components/: styled-components numbers its components in the order
// they are made, and ssrd's shell makes every one of components/ before any page.
const CountButton = styled.button`
  padding: ${({ theme }) => theme.space(2)};
  border: 2px solid ${({ theme }) => theme.colors.accent};
  border-radius: ${({ theme }) => theme.radius};
  background: ${({ $count }) => ($count > 0 ? "#fef3c7" : "white")};
`;

function ClickCounter() {
  const [count, setCount] = useState(0);
  return (
    <CountButton id="clicks" type="button" $count={count} onClick={() => setCount(count + 1)}>
      Clicked {count} {count === 1 ? "time" : "times"}
    </CountButton>
  );
}

export default function Home({ headline = "Welcome", products = [] }) {
  return (
    <>
      <Hero>
        <Title $size={2.5}>{headline}</Title>
        <Button $variant="primary">Shop now</Button> <Button>Learn more</Button>
      </Hero>
      <CardGrid $min={240}>
        {products.map((p) => (
          <Card key={p.id}>
            <h2>{p.name}</h2>
            <p>{p.price}</p>
            <Button as="a" href={`/products/${p.id}`}>
              View
            </Button>
          </Card>
        ))}
      </CardGrid>
      <ClickCounter />
    </>
  );
}
