export { RedisCompanyEvents, socketChannelKey } from "./emitter";
export {
  attachSocketServer,
  type CompanySocketServer,
  type SocketAuthenticate,
  type SocketIdentity,
  type SocketRefusal,
  type SocketServerOptions,
} from "./server";
