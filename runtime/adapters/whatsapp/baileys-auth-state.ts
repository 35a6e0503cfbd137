// Baileys' AuthenticationState (`{creds, keys: {get, set}}`) kept in Postgres, one session per
// connection: what useMultiFileAuthState keeps in a folder, with the same JSON encoding (Buffers
// through BufferJSON), key batches written in one transaction.
import {
  type AuthenticationCreds,
  type AuthenticationState,
  BufferJSON,
  initAuthCreds,
  proto,
  type SignalDataSet,
  type SignalDataTypeMap,
} from "@whiskeysockets/baileys";
import type {
  SessionKeyWrite,
  WhatsappSessionStore,
} from "../../services/ports/whatsapp-session-store";

export interface PostgresAuthState {
  readonly state: AuthenticationState;
  /** Writes `state.creds` (hand it to the socket's `creds.update` event). */
  saveCreds(): Promise<void>;
  /** Deletes the stored session and its keys (after a logout). */
  clear(): Promise<void>;
}

export interface AuthStateOwner {
  /** `Whatsapps.id`. */
  readonly whatsappId: number;
  readonly companyId: number;
}

/**
 * Loads the connection's session, creating it with fresh credentials (a new pairing, QR code)
 * when there is none; the new credentials are stored at once, so keys always have a session.
 */
export async function usePostgresAuthState(
  store: WhatsappSessionStore,
  owner: AuthStateOwner,
): Promise<PostgresAuthState> {
  const { whatsappId, companyId } = owner;
  const stored = await store.readCreds(whatsappId);
  const creds: AuthenticationCreds =
    stored === null ? initAuthCreds() : decode<AuthenticationCreds>(stored);
  const saveCreds = () => store.writeCreds(whatsappId, companyId, encode(creds));
  if (stored === null) await saveCreds();
  return {
    state: {
      creds,
      keys: {
        get: async <T extends keyof SignalDataTypeMap>(type: T, ids: string[]) => {
          const found = await store.readKeys(whatsappId, type, ids);
          const data: { [id: string]: SignalDataTypeMap[T] } = {};
          for (const [id, text] of found) {
            const value = decode<{ [k: string]: unknown }>(text);
            data[id] = (
              type === "app-state-sync-key"
                ? proto.Message.AppStateSyncKeyData.fromObject(value)
                : value
            ) as SignalDataTypeMap[T];
          }
          return data;
        },
        set: async (data: SignalDataSet) => {
          await store.writeKeys(whatsappId, keyWrites(data));
        },
      },
    },
    saveCreds,
    clear: async () => void (await store.clear(whatsappId)),
  };
}

/** The rows a `keys.set` batch writes: null or undefined values delete. */
export function keyWrites(data: SignalDataSet): SessionKeyWrite[] {
  const writes: SessionKeyWrite[] = [];
  for (const [type, entries] of Object.entries(data)) {
    for (const [id, value] of Object.entries(entries ?? {})) {
      writes.push({ type, id, value: value == null ? null : encode(value) });
    }
  }
  return writes;
}

/** JSON with Buffers and Uint8Arrays as `{type: "Buffer", data: <base64>}` (BufferJSON). */
export function encode(value: unknown): string {
  return JSON.stringify(value, BufferJSON.replacer);
}

export function decode<T = unknown>(text: string): T {
  return JSON.parse(text, BufferJSON.reviver) as T;
}
