// The development UltraHonk reference string computed from the development seed itself (see
// circuits/honk/write-dev-seed-crs.ts, which provers also call on first use). NOT FOR PRODUCTION.
export { writeDevSeedCrs as writeDevBbCrsFromSeed } from '../circuits/node.js'
