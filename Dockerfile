# The lifeboat image from a public node base, for machines that can pull. Where nothing can be
# pulled, `lifeboat image build` makes the same image from the machine itself.
#   docker build -t lifeboat:0.1.0 .
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY bin ./bin
COPY src ./src
RUN npm ci && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production HOME=/tmp
WORKDIR /tmp
COPY --from=build /src/package.json /opt/lifeboat/package.json
COPY --from=build /src/bin /opt/lifeboat/bin
COPY --from=build /src/dist /opt/lifeboat/dist
COPY --from=build /src/node_modules /opt/lifeboat/node_modules
ENTRYPOINT ["/usr/local/bin/node", "/opt/lifeboat/bin/lifeboat.js"]
