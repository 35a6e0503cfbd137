# syntax=docker/dockerfile:1
# chatia-flow: build the TypeScript, then a slim image with production dependencies only.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run build && mkdir -p flows nodes

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY --from=build /app/flows ./flows
COPY bin ./bin
COPY schemas ./schemas
COPY jobs.yaml ./
RUN mkdir -p /data/node-red && chown node:node /data/node-red
USER node
EXPOSE 8080
ENTRYPOINT ["node", "bin/chatia-flow.js"]
CMD ["start"]
