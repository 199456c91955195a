import Card from "@mui/material/Card";
import CardContent from "@mui/material/CardContent";
import CardActions from "@mui/material/CardActions";
import Button from "@mui/material/Button";
import Typography from "@mui/material/Typography";
import { styled, useTheme } from "@mui/material/styles";

const Figure = styled("span")(({ theme }) => ({
  fontSize: 28,
  fontWeight: 700,
  color: theme.palette.primary.main,
  [theme.breakpoints.up("md")]: { fontSize: 34 },
}));

export default function StatCard({ label, value, trend }) {
  const theme = useTheme();
  return (
    <Card variant="outlined" sx={{ minWidth: 200, borderColor: theme.palette.divider }}>
      <CardContent>
        <Typography variant="overline" color="text.secondary">
          {label}
        </Typography>
        <div>
          <Figure>{value}</Figure>
        </div>
        <Typography variant="body2" sx={{ color: trend >= 0 ? "success.main" : "error.main" }}>
          {trend >= 0 ? "+" : ""}
          {trend}% this week
        </Typography>
      </CardContent>
      <CardActions>
        <Button size="small" variant="contained">
          Details
        </Button>
        <Button size="small" color="secondary">
          Export
        </Button>
      </CardActions>
    </Card>
  );
}
