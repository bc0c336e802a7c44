# The `fleet` CLI in a container: every Fleet service in docker-compose.yml runs this image.
FROM node:20-slim
WORKDIR /app
ENV NODE_ENV=production
# Dependencies first, so a source change does not reinstall them. tsx is a runtime dependency:
# the CLI runs its TypeScript sources directly, with no build step.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY . .
# Not root inside the container.
USER node
ENTRYPOINT ["npx", "--no-install", "fleet"]
CMD ["--help"]
