import styled from "styled-components";
import Button from "../../../components/Button.jsx";
import { Card } from "../../../components/Card.jsx";

const catalog = {
  1: { name: "Lamp", price: "€25.99", stock: 3 },
  2: { name: "Chair", price: "€149.00", stock: 0 },
};

const ProductCard = styled(Card)`
  max-width: 480px;
  margin: ${({ theme }) => theme.space(6)} auto;
  border-top: 4px solid ${({ theme, $soldOut }) => ($soldOut ? theme.colors.muted : theme.colors.accent)};
`;

const Stock = styled.p`
  color: ${({ theme, $soldOut }) => ($soldOut ? theme.colors.muted : "green")};
`;

export default function Product({ params }) {
  const product = catalog[params.id];
  if (!product) return <Card as="section">No product {params.id}</Card>;
  const soldOut = product.stock === 0;
  return (
    <ProductCard $soldOut={soldOut}>
      <h2>{product.name}</h2>
      <p>{product.price}</p>
      <Stock $soldOut={soldOut}>{soldOut ? "Sold out" : `${product.stock} in stock`}</Stock>
      <Button $variant="primary" disabled={soldOut}>
        Add to cart
      </Button>
    </ProductCard>
  );
}
