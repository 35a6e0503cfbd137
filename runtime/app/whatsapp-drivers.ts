// The WhatsApp drivers a deployment may choose ($CHATIA_WHATSAPP_DRIVER), apart from the drivers
// themselves so that reading the configuration loads none of them.
export const WHATSAPP_DRIVERS = ["simulated", "baileys"] as const;
export type WhatsAppDriverName = (typeof WHATSAPP_DRIVERS)[number];
