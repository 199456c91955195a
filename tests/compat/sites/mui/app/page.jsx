import Stack from "@mui/material/Stack";
import Typography from "@mui/material/Typography";
import Button from "@mui/material/Button";
import StatCard from "../components/StatCard.jsx";
import OrdersTable from "../components/OrdersTable.jsx";
import FollowButton from "../components/FollowButton.jsx";
import { orders } from "../components/orders.js";

export default function Dashboard({ stats = [] }) {
  return (
    <>
      <Typography variant="h1" gutterBottom>
        Dashboard
      </Typography>
      <Stack direction="row" spacing={2} sx={{ mb: 3 }}>
        {stats.map((s) => (
          <StatCard key={s.label} {...s} />
        ))}
      </Stack>
      <OrdersTable orders={orders} />
      <Stack direction="row" spacing={1} sx={{ mt: 2 }}>
        <Button variant="contained">New order</Button>
        <Button variant="outlined" color="secondary" disabled>
          Archive
        </Button>
        <FollowButton />
      </Stack>
    </>
  );
}
