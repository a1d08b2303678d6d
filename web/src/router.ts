import { useEffect, useState } from "react";

/** The app's pages, by path: a router this small needs no library. */
export type Route =
  | { readonly page: "recommendations" }
  | { readonly page: "item"; readonly itemId: string }
  | { readonly page: "popular" }
  | { readonly page: "admin" };

export function parseRoute(pathname: string): Route {
  const item = /^\/items\/([^/]+)$/.exec(pathname);
  if (item?.[1] !== undefined) return { page: "item", itemId: decodeURIComponent(item[1]) };
  if (pathname === "/popular") return { page: "popular" };
  if (pathname === "/admin") return { page: "admin" };
  return { page: "recommendations" };
}

export function navigate(path: string): void {
  window.history.pushState(null, "", path);
  window.dispatchEvent(new PopStateEvent("popstate"));
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.pathname));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(window.location.pathname));
    window.addEventListener("popstate", onChange);
    return () => window.removeEventListener("popstate", onChange);
  }, []);
  return route;
}
