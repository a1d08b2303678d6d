import { useEffect, useRef, useState } from "react";
import type { FlywheelClient, PopularItems } from "../api.ts";
import { titleOf, useCatalog } from "../catalog.ts";
import { ItemLink } from "../components/ItemLink.tsx";

const WINDOWS = [
  { hours: 1, label: "last hour" },
  { hours: 24, label: "last 24 h" },
  { hours: 168, label: "last 7 days" },
] as const;

/** Trending (short windows) and popular (the week) items, overall or in one category. */
export function PopularPage({ client }: { readonly client: FlywheelClient }) {
  const [windowHours, setWindowHours] = useState<number>(24);
  const [category, setCategory] = useState<string | undefined>(undefined);
  const [answer, setAnswer] = useState<PopularItems | null>(null);
  const [error, setError] = useState<string | null>(null);
  const catalog = useCatalog(client, answer?.items.map((item) => item.itemId) ?? []);
  // The categories on offer are those of the overall list, kept while one of them is chosen.
  const categories = useRef<readonly string[]>([]);
  if (category === undefined) {
    const seen = new Set<string>();
    for (const item of answer?.items ?? [])
      for (const name of catalog.get(item.itemId)?.categories ?? []) seen.add(name);
    categories.current = [...seen].sort();
  }

  useEffect(() => {
    client
      .popular(windowHours, category)
      .then((popular) => {
        setAnswer(popular);
        setError(null);
      })
      .catch((failure: unknown) => setError(String(failure)));
  }, [client, windowHours, category]);

  return (
    <section>
      <h2>Trending and popular</h2>
      <div className="toolbar">
        {WINDOWS.map((window) => (
          <button
            key={window.hours}
            type="button"
            className={window.hours === windowHours ? "selected" : ""}
            onClick={() => setWindowHours(window.hours)}
          >
            {window.label}
          </button>
        ))}
        <select
          aria-label="category"
          value={category ?? ""}
          onChange={(event) => setCategory(event.target.value === "" ? undefined : event.target.value)}
        >
          <option value="">all categories</option>
          {categories.current.map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
      </div>
      {error !== null ? <p className="error">{error}</p> : null}
      {answer === null ? (
        <p className="muted">Loading…</p>
      ) : answer.items.length === 0 ? (
        <p className="muted">Nothing counted in this window.</p>
      ) : (
        <ol className="rows" data-testid="popular-items">
          {answer.items.map((item) => (
            <li key={item.itemId}>
              <ItemLink itemId={item.itemId} title={titleOf(catalog, item.itemId)} />
              <span className="score" title="weighted interactions in the window">
                {item.score.toFixed(0)}
              </span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
