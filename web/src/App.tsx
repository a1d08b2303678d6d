import { type FormEvent, useEffect, useState } from "react";
import { type FlywheelClient, rememberApiKey } from "./api.ts";
import { AdminPage } from "./pages/AdminPage.tsx";
import { ItemPage } from "./pages/ItemPage.tsx";
import { PopularPage } from "./pages/PopularPage.tsx";
import { RecommendationsPage } from "./pages/RecommendationsPage.tsx";
import { navigate, useRoute } from "./router.ts";

const STORED_USER = "flywheel.userId";
const USER_ID = /^[\p{L}\p{N}._:@+=~-]{1,128}$/u;

/** The current user: picked from the seeded ones, or created with PUT /v1/users/{id}. */
function UserPicker({
  client,
  userId,
  onChange,
}: {
  readonly client: FlywheelClient;
  readonly userId: string;
  readonly onChange: (userId: string) => void;
}) {
  const [users, setUsers] = useState<readonly { userId: string; interactions: number }[]>([]);
  const [draft, setDraft] = useState("");
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    client
      .users()
      .then(setUsers)
      .catch(() => {});
  }, [client]);

  async function create(event: FormEvent): Promise<void> {
    event.preventDefault();
    const id = draft.trim();
    if (!USER_ID.test(id)) {
      setError("letters, digits and . _ : @ + = ~ - only");
      return;
    }
    try {
      await client.createUser(id);
      setUsers((known) => [{ userId: id, interactions: 0 }, ...known.filter((user) => user.userId !== id)]);
      setDraft("");
      setError(null);
      onChange(id);
    } catch (failure) {
      setError(String(failure));
    }
  }

  const options = users.some((user) => user.userId === userId)
    ? users
    : [{ userId, interactions: -1 }, ...users];
  return (
    <div className="user-picker">
      <label>
        User{" "}
        <select data-testid="user-select" value={userId} onChange={(event) => onChange(event.target.value)}>
          {options.map((user) => (
            <option key={user.userId} value={user.userId}>
              {user.userId}
              {user.interactions >= 0 ? ` (${user.interactions} interactions)` : ""}
            </option>
          ))}
        </select>
      </label>
      <form onSubmit={(event) => void create(event)}>
        <input
          data-testid="new-user"
          placeholder="new user id"
          value={draft}
          onChange={(event) => setDraft(event.target.value)}
        />
        <button type="submit">Create</button>
      </form>
      {error === null ? null : <span className="error">{error}</span>}
    </div>
  );
}

function ApiKeyPrompt({ onSave }: { readonly onSave: (key: string) => void }) {
  const [key, setKey] = useState("");
  return (
    <form
      className="key-prompt"
      onSubmit={(event) => {
        event.preventDefault();
        onSave(key.trim());
      }}
    >
      <p>This deployment needs an API key (API Gateway usage plan). It is kept in this browser only.</p>
      <input value={key} onChange={(event) => setKey(event.target.value)} placeholder="x-api-key" />
      <button type="submit">Save</button>
    </form>
  );
}

const NAVIGATION = [
  { path: "/", label: "For you", page: "recommendations" },
  { path: "/popular", label: "Trending", page: "popular" },
  { path: "/admin", label: "Admin", page: "admin" },
] as const;

export function App({ client }: { readonly client: FlywheelClient }) {
  const route = useRoute();
  const [userId, setUserId] = useState(() => localStorage.getItem(STORED_USER) ?? "");
  const [hasKey, setHasKey] = useState(client.config.apiKey !== null && client.config.apiKey !== "");

  useEffect(() => {
    if (userId !== "") return;
    // The most active seeded user makes a good first page; a deployed build starts with a fresh id.
    client
      .users()
      .then((users) => setUserId(users[0]?.userId ?? `web-${Math.random().toString(36).slice(2, 8)}`))
      .catch(() => setUserId(`web-${Math.random().toString(36).slice(2, 8)}`));
  }, [client, userId]);

  const chooseUser = (id: string) => {
    localStorage.setItem(STORED_USER, id);
    setUserId(id);
  };

  if (!hasKey)
    return (
      <ApiKeyPrompt
        onSave={(key) => {
          rememberApiKey(key);
          window.location.reload();
          setHasKey(true);
        }}
      />
    );
  return (
    <div className="app">
      <header className="top">
        <h1>
          <img src="/favicon.svg" alt="" width="22" height="22" /> Flywheel
        </h1>
        <nav>
          {NAVIGATION.map((entry) => (
            <a
              key={entry.path}
              href={entry.path}
              className={route.page === entry.page ? "selected" : ""}
              onClick={(event) => {
                event.preventDefault();
                navigate(entry.path);
              }}
            >
              {entry.label}
            </a>
          ))}
        </nav>
        {userId === "" ? null : <UserPicker client={client} userId={userId} onChange={chooseUser} />}
      </header>
      <main>
        {userId === "" ? (
          <p className="muted">Loading…</p>
        ) : route.page === "item" ? (
          <ItemPage client={client} userId={userId} itemId={route.itemId} />
        ) : route.page === "popular" ? (
          <PopularPage client={client} />
        ) : route.page === "admin" ? (
          <AdminPage client={client} />
        ) : (
          <RecommendationsPage client={client} userId={userId} />
        )}
      </main>
      {client.config.environment === "local" ? (
        <footer className="muted">
          Local runtime (npm start): the API, the stream and the nightly pipeline run on this machine.
        </footer>
      ) : null}
    </div>
  );
}
