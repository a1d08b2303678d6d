import type { MouseEvent } from "react";
import { navigate } from "../router.ts";

/** A link to an item's page that stays in the app. */
export function ItemLink({ itemId, title }: { readonly itemId: string; readonly title: string }) {
  const href = `/items/${encodeURIComponent(itemId)}`;
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    navigate(href);
  };
  return (
    <a href={href} onClick={onClick} data-testid="item-link">
      {title}
    </a>
  );
}
