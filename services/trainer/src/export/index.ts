/** Export of trained models (owned by the export engineer; placeholder so the skeleton builds). */
export {};
