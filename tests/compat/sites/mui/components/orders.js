export const orders = [
  { id: "1001", customer: "Ada Lovelace", total: 129.5, status: "paid" },
  { id: "1002", customer: "Grace Hopper", total: 42, status: "pending" },
  { id: "1003", customer: "Alan Turing", total: 310.25, status: "refunded" },
];
