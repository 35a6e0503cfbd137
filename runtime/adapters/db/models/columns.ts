// Attribute definitions every model repeats. Each is a factory: Model.init writes into the
// attribute objects it is given (field names), so one object must never serve two attributes.
import { DataTypes } from "sequelize";

export function serialId() {
  return { type: DataTypes.INTEGER, autoIncrement: true, primaryKey: true } as const;
}

/** Sequelize fills these itself; they are listed so Model.init's typing sees every attribute. */
export function timestamps() {
  return {
    createdAt: { type: DataTypes.DATE, allowNull: false },
    updatedAt: { type: DataTypes.DATE, allowNull: false },
  } as const;
}

/** A required integer foreign key. */
export function requiredId() {
  return { type: DataTypes.INTEGER, allowNull: false } as const;
}

/** An optional integer foreign key. */
export function optionalId() {
  return { type: DataTypes.INTEGER, allowNull: true } as const;
}

/** A nullable TEXT column. */
export function optionalText() {
  return { type: DataTypes.TEXT, allowNull: true } as const;
}

/** An "enabled" / "disabled" switch column. */
export function switchColumn(defaultValue: "enabled" | "disabled") {
  return { type: DataTypes.STRING, allowNull: false, defaultValue } as const;
}
