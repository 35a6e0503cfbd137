// Who may use the Node-RED editor: the operator account of the deployment (CHATIA_ADMIN_USER /
// CHATIA_ADMIN_PASSWORD, or the demo's generated one) and the super-admin users of the API, with
// their own passwords. Flows serve every company, so a company's admin does not edit them.
import bcrypt from "bcryptjs";
import type { Sequelize } from "../adapters/db";
import type { EditorLogin } from "../adapters/node-red/embedded";
import { AuthService } from "../api/auth";

export interface EditorLoginOptions {
  readonly sequelize: Sequelize;
  readonly jwtSecret: string;
  readonly operator: { readonly username: string; readonly password: string };
}

export async function createEditorLogin(options: EditorLoginOptions): Promise<EditorLogin> {
  const auth = new AuthService({ sequelize: options.sequelize, jwtSecret: options.jwtSecret });
  const { username: operator } = options.operator;
  const operatorHash = await bcrypt.hash(options.operator.password, 10);
  return {
    async authenticate(username, password) {
      if (username === operator) return bcrypt.compare(password, operatorHash);
      return (await auth.checkPassword(username, password))?.super === true;
    },
    async exists(username) {
      if (username === operator) return true;
      return (await auth.findUser(username))?.super === true;
    },
  };
}
