export { RedisCompanyEvents, socketChannelKey } from "./emitter";
