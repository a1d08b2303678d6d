import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App.tsx";
import { FlywheelClient, loadConfig } from "./api.ts";
import "./styles.css";

const root = document.getElementById("root");
if (root === null) throw new Error("index.html has no #root");
const container = root;
void loadConfig().then((config) => {
  createRoot(container).render(
    <StrictMode>
      <App client={new FlywheelClient(config)} />
    </StrictMode>,
  );
});
