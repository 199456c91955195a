import Card from "@mui/material/Card";
import CardHeader from "@mui/material/CardHeader";
import CardContent from "@mui/material/CardContent";
import Typography from "@mui/material/Typography";
import Alert from "@mui/material/Alert";
import OrdersTable from "../../../components/OrdersTable.jsx";
import { orders } from "../../../components/orders.js";

export default function Order({ params }) {
  const order = orders.find((o) => o.id === params.id);
  if (!order) return <Alert severity="error">No order #{params.id}</Alert>;
  return (
    <>
      <Card sx={{ mb: 3 }}>
        <CardHeader title={`Order #${order.id}`} subheader={order.customer} />
        <CardContent>
          <Typography variant="body1">Total: {order.total.toFixed(2)} €</Typography>
          {order.status === "pending" ? <Alert severity="warning">Awaiting payment</Alert> : null}
        </CardContent>
      </Card>
      <OrdersTable orders={orders} highlight={order.id} />
    </>
  );
}
