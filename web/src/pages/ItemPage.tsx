import { useEffect, useState } from "react";
import type { FlywheelClient, SimilarItems } from "../api.ts";
import { titleOf, useCatalog } from "../catalog.ts";
import { ItemLink } from "../components/ItemLink.tsx";

/** One item: what the catalog says, the items most like it, and the user's like or dismiss. */
export function ItemPage({
  client,
  userId,
  itemId,
}: {
  readonly client: FlywheelClient;
  readonly userId: string;
  readonly itemId: string;
}) {
  const [similar, setSimilar] = useState<SimilarItems | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState("");
  const catalog = useCatalog(client, [itemId, ...(similar?.items.map((item) => item.itemId) ?? [])]);
  const entry = catalog.get(itemId);

  useEffect(() => {
    setSimilar(null);
    setStatus("");
    client
      .similar(itemId)
      .then(setSimilar)
      .catch((failure: unknown) => setError(String(failure)));
    // Opening an item's page is a view: a weak positive signal that trains like any other.
    client.sendEvents([{ userId, itemId, type: "view", context: { surface: "web-item" } }]).catch(() => {});
  }, [client, userId, itemId]);

  async function send(type: "rate" | "dismiss", label: string): Promise<void> {
    try {
      await client.sendEvents([
        { userId, itemId, type, ...(type === "rate" ? { value: 5 } : {}), context: { surface: "web-item" } },
      ]);
      setStatus(`${label} sent for ${userId}`);
    } catch (failure) {
      setError(String(failure));
    }
  }

  return (
    <section>
      <h2 data-testid="item-title">{titleOf(catalog, itemId)}</h2>
      <p className="card-meta">
        <span className="muted">{itemId}</span>
        {entry?.categories.map((category) => (
          <span key={category} className="tag">
            {category}
          </span>
        ))}
        {entry !== undefined && !entry.available ? <span className="tag">unavailable</span> : null}
      </p>
      <div className="actions">
        <button type="button" onClick={() => void send("rate", "Like")}>
          Like
        </button>
        <button type="button" onClick={() => void send("dismiss", "Dismiss")}>
          Dismiss
        </button>
      </div>
      <p className="status" aria-live="polite">
        {status}
      </p>
      {error !== null ? <p className="error">{error}</p> : null}
      <h3>
        Similar items{" "}
        {similar === null ? null : (
          <span className="muted">
            (
            {similar.source === "model"
              ? `cosine over model ${similar.modelVersion ?? ""}`
              : "trending in its categories"}
            )
          </span>
        )}
      </h3>
      {similar === null ? (
        <p className="muted">Loading…</p>
      ) : (
        <ol className="rows" data-testid="similar-items">
          {similar.items.map((item) => (
            <li key={item.itemId}>
              <ItemLink itemId={item.itemId} title={titleOf(catalog, item.itemId)} />
              <span className="score">{item.score.toFixed(3)}</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
