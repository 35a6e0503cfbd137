export { type AuthFailure, type AuthOptions, AuthService, type LoginResult } from "./auth.service";
export { type AuthRouterOptions, createAuthRouter } from "./auth-router";
export { authenticate, requireProfile, requireSuper } from "./authenticate";
export { MIN_JWT_SECRET_LENGTH } from "./tokens";
