# The `fleet` CLI in a container: every Fleet service in docker-compose.yml runs this image.
FROM node:20-slim
WORKDIR /app
ENV NODE_ENV=production
# Dependencies first, so a source change does not reinstall them. The build (dist/) needs the
# dev dependencies (typescript), which are pruned once it is done.
COPY package.json package-lock.json ./
RUN npm ci --include=dev --ignore-scripts
COPY . .
RUN npm run build && npm prune --omit=dev && npm cache clean --force
# Not root inside the container.
USER node
ENTRYPOINT ["npx", "--no-install", "fleet"]
CMD ["--help"]
