import Table from "@mui/material/Table";
import TableBody from "@mui/material/TableBody";
import TableCell from "@mui/material/TableCell";
import TableContainer from "@mui/material/TableContainer";
import TableHead from "@mui/material/TableHead";
import TableRow from "@mui/material/TableRow";
import Paper from "@mui/material/Paper";
import Chip from "@mui/material/Chip";

const statusColor = { paid: "success", pending: "warning", refunded: "default" };

export default function OrdersTable({ orders, highlight }) {
  return (
    <TableContainer component={Paper}>
      <Table size="small" aria-label="orders">
        <TableHead>
          <TableRow>
            <TableCell>Order</TableCell>
            <TableCell>Customer</TableCell>
            <TableCell align="right">Total</TableCell>
            <TableCell>Status</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {orders.map((o) => (
            <TableRow key={o.id} selected={o.id === highlight} hover>
              <TableCell component="th" scope="row">
                <a href={`/orders/${o.id}`}>#{o.id}</a>
              </TableCell>
              <TableCell>{o.customer}</TableCell>
              <TableCell align="right">{o.total.toFixed(2)}</TableCell>
              <TableCell>
                <Chip size="small" label={o.status} color={statusColor[o.status]} />
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </TableContainer>
  );
}
