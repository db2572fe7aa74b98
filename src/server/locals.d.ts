/** What the server hands Astro's on-demand pages: the services opened from the one configuration. */
declare namespace App {
  interface Locals {
    services: import('./services.ts').Services;
  }
}
