import AppBar from "@mui/material/AppBar";
import Toolbar from "@mui/material/Toolbar";
import Typography from "@mui/material/Typography";
import Button from "@mui/material/Button";

export default function TopBar({ path }) {
  return (
    <AppBar position="static" color="primary">
      <Toolbar variant="dense">
        <Typography variant="h6" component="div" sx={{ flexGrow: 1 }}>
          Orders
        </Typography>
        <Button color="inherit" href="/" variant={path === "/" ? "outlined" : "text"}>
          Dashboard
        </Button>
      </Toolbar>
    </AppBar>
  );
}
